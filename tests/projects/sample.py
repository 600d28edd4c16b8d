"""The projects' sample for the shared tests (tests/samples.py): a project in progress with a
team member, open and met needs and an update, published for the site's structure."""
from csti.models import Project, ProjectMember, ProjectNeed, ProjectUpdate

from ..samples import publish


def make(site, n):
    project = Project(title=f"Capteurs citoyens en astronomie ({n})", stage="in_progress", territory=site.territory,
                      author=site.author, summary="Mesurer l'air avec les habitants.", body="Des **capteurs** partout.")
    project.members.append(ProjectMember(user=site.reader))
    project.needs.append(ProjectNeed(kind="volunteers", description="Dix foyers"))
    project.needs.append(ProjectNeed(kind="funding", description="Du matériel", is_met=True))
    project.owners = [site.owner]
    publish(site, project)
    site.db.session.add(ProjectUpdate(project_id=project.id, author=site.author, body="Premier *prototype*."))
    return project
